# generate_grpc_code(TARGET <target> IMPORT_DIR <dir> OUT_DIR <dir> PROTOS <files...>
#                    [EXTRA_IMPORT_DIRS <dirs...>])
#
# Generates <stem>.grpc.pb.h/.cc for each proto (paths relative to
# IMPORT_DIR) into OUT_DIR and adds them to TARGET. Every generated header
# includes utf8_field_traits.h (grpc_cpp_plugin's additional_header_includes:
# gRPC answers INVALID_ARGUMENT naming a field with invalid UTF-8), which
# protobuf_generate has no way to pass. EXTRA_IMPORT_DIRS: where imported
# protos are found. Needs GRPC_CPP_PLUGIN.
function(generate_grpc_code)
  cmake_parse_arguments(ARG "" "TARGET;IMPORT_DIR;OUT_DIR" "PROTOS;EXTRA_IMPORT_DIRS" ${ARGN})
  set(extra_includes)
  foreach(dir IN LISTS ARG_EXTRA_IMPORT_DIRS)
    list(APPEND extra_includes -I ${dir})
  endforeach()
  foreach(proto IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" stem ${proto})
    set(outputs ${ARG_OUT_DIR}/${stem}.grpc.pb.h ${ARG_OUT_DIR}/${stem}.grpc.pb.cc)
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc
        --grpc_out=additional_header_includes=utf8_field_traits.h:${ARG_OUT_DIR}
        --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
        -I ${ARG_IMPORT_DIR} ${extra_includes} ${ARG_IMPORT_DIR}/${proto}
      DEPENDS ${ARG_IMPORT_DIR}/${proto} protobuf::protoc ${GRPC_CPP_PLUGIN}
      COMMENT "Generating gRPC code for ${proto}"
      VERBATIM)
    target_sources(${ARG_TARGET} PRIVATE ${outputs})
  endforeach()
endfunction()
