# stratus_embed_migrations(<target> <component> <dir>): compile the SQL files of <dir>
# (named NNN_description.sql) into the binary, so a service carries its own schema and
# needs no files beside it at run time. The generated function is
#   const std::vector<stratus::db::Migration>& <component>_migrations();
function(stratus_embed_migrations target component dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.cpp)
  set(body "// Generated from ${dir}; do not edit.\n#include \"common/db/migrations.h\"\n\n")
  string(APPEND body "namespace stratus::db {\nconst std::vector<Migration>& ${component}_migrations() {\n  static const std::vector<Migration> all = {\n")
  foreach(f ${sql_files})
    get_filename_component(name ${f} NAME_WE)
    string(REGEX MATCH "^[0-9]+" version ${name})
    file(READ ${f} sql)
    string(APPEND body "    {${version}, \"${name}\", R\"__sql__(${sql})__sql__\"},\n")
  endforeach()
  string(APPEND body "  };\n  return all;\n}\n}  // namespace stratus::db\n")
  file(GENERATE OUTPUT ${out} CONTENT "${body}")
  target_sources(${target} PRIVATE ${out})
endfunction()
