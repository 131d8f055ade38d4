# embed_sql_migrations(<target> <function name> <sql files...>)
#
# Generates a source that defines
#   std::vector<order_saga::SchemaMigration> <function name>();
# holding each file (named NNN_description.sql, NNN = version) verbatim, and
# adds it to <target>. Editing a .sql file re-runs the generation.
function(embed_sql_migrations target function_name)
  set(body "")
  foreach(file IN LISTS ARGN)
    get_filename_component(name ${file} NAME)
    string(REGEX MATCH "^[0-9]+" version ${name})
    if(NOT version)
      message(FATAL_ERROR "${file}: migration file names start with a version number")
    endif()
    math(EXPR version "${version}")
    file(READ ${file} sql)
    string(APPEND body "      {${version}, \"${name}\", R\"order_saga_sql(${sql})order_saga_sql\"},\n")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${function_name}.cc)
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from schema/*.sql by embed_sql_migrations(); do not edit.
#include \"common/mysql/schema_migrator.h\"

namespace order_saga {

std::vector<SchemaMigration> ${function_name}() {
  return {
${body}  };
}

}  // namespace order_saga
" @ONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
