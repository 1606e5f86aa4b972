-- Messages written in the same transaction as the change they announce; the relay
-- publishes them in id order and deletes them once the broker confirmed.
CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  exchange    text NOT NULL,
  routing_key text NOT NULL,
  type        text NOT NULL,
  message_id  uuid NOT NULL,
  payload     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
