-- Volumes made from an image: bootable, and the image they came from (a server booting from
-- the volume takes its kernel, ramdisk and properties from it).
ALTER TABLE volumes
  ADD COLUMN bootable boolean NOT NULL DEFAULT false,
  ADD COLUMN image_id text NOT NULL DEFAULT '';
