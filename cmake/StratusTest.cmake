# stratus_unit_test(<name> SOURCES ... LIBS ... [LABELS ...] [FIXTURES ...]): a Catch2 (v2) test
# binary registered with ctest. Every test gets a timeout (60 s for unit tests, 300 s for the
# others) unless its folder sets a TIMEOUT of its own afterwards.
add_library(stratus_catch_main STATIC ${CMAKE_CURRENT_LIST_DIR}/catch_main.cpp)
target_include_directories(stratus_catch_main PUBLIC ${CATCH2_INCLUDE})

function(stratus_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;FIXTURES" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_compile_options(${name} PRIVATE ${STRATUS_WARNINGS})
  target_link_libraries(${name} PRIVATE stratus_catch_main ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
  if("unit" IN_LIST T_LABELS)
    set_tests_properties(${name} PROPERTIES TIMEOUT 60)
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
  if(T_FIXTURES)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${T_FIXTURES}")
  endif()
endfunction()
