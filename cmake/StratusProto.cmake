# stratus_proto(<target> <file.proto>...): generate message and gRPC code from proto/
# into a static library that includes its own generated headers.
# Files are given relative to proto/, and imports resolve from proto/ as well.
function(stratus_proto target)
  set(srcs)
  set(hdrs)
  set(out ${CMAKE_BINARY_DIR}/proto-gen)
  foreach(rel ${ARGN})
    get_filename_component(dir ${rel} DIRECTORY)
    get_filename_component(stem ${rel} NAME_WE)
    set(base ${out}/${dir}/${stem})
    list(APPEND srcs ${base}.pb.cc ${base}.grpc.pb.cc)
    list(APPEND hdrs ${base}.pb.h ${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${base}.pb.cc ${base}.pb.h ${base}.grpc.pb.cc ${base}.grpc.pb.h
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
      COMMAND ${PROTOC} -I ${PROJECT_SOURCE_DIR}/proto --cpp_out=${out} --grpc_out=${out}
              --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN} ${PROJECT_SOURCE_DIR}/proto/${rel}
      DEPENDS ${PROJECT_SOURCE_DIR}/proto/${rel}
      COMMENT "protoc ${rel}")
  endforeach()
  add_library(${target} STATIC ${srcs} ${hdrs})
  target_include_directories(${target} PUBLIC ${out})
  target_link_libraries(${target} PUBLIC PkgConfig::GRPCPP PkgConfig::PROTOBUF)
endfunction()
