# One library per component folder of src/. DEPENDS are the arrows the component
# declares (PUBLIC: its headers use them too), PRIVATE_DEPENDS what only its .cc files
# use; tests/guards/check_layering.py holds every #include to these arrows, since
# every component exports src/ as its include path.
#
#   sts_component(sts_asr SOURCES a.cc b.cc DEPENDS sts_audio PRIVATE_DEPENDS sts_pocketsphinx)
function(sts_component target)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(${target} ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
  sts_target_warnings(${target})
endfunction()
