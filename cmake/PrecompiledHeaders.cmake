# Precompiles the heavy headers nearly every C++ file includes (nlohmann/json,
# GoogleTest), once per target. On a 2-core CI machine this roughly halves the
# build, which is what keeps the full test run (three builds) inside its time.
# Applied from the top-level CMakeLists.txt after every target exists, so the
# parts' own CMakeLists.txt files need not know about it.
option(CABRIDGE_PCH "Precompile common heavy headers" ON)

function(cabridge_collect_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    cabridge_collect_targets("${sub}" more)
    list(APPEND targets ${more})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(cabridge_apply_precompiled_headers)
  if(NOT CABRIDGE_PCH)
    return()
  endif()
  cabridge_collect_targets("${CMAKE_SOURCE_DIR}" targets)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(NOT type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      continue()
    endif()
    get_target_property(sources ${t} SOURCES)
    list(FILTER sources INCLUDE REGEX "\\.(cpp|cc|cxx)$")
    list(LENGTH sources n)
    if(n LESS 2)  # a one-file target gains nothing from a precompiled header
      continue()
    endif()
    get_target_property(libs ${t} LINK_LIBRARIES)
    set(headers "$<$<COMPILE_LANGUAGE:CXX>:<nlohmann/json.hpp$<ANGLE-R>>" "$<$<COMPILE_LANGUAGE:CXX>:<string$<ANGLE-R>>"
                "$<$<COMPILE_LANGUAGE:CXX>:<vector$<ANGLE-R>>")
    if(libs MATCHES "GTest::")
      list(APPEND headers "$<$<COMPILE_LANGUAGE:CXX>:<gtest/gtest.h$<ANGLE-R>>")
    endif()
    target_precompile_headers(${t} PRIVATE ${headers})
  endforeach()
endfunction()
