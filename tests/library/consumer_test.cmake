# Run by ctest (tests/library/CMakeLists.txt) in CMake's script mode. Fails on the first step
# that does not work: install, find_package + build, pkg-config + build, or a localization table
# that differs from the CLI's for the same movie.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(JOIN " " cmd ${ARGN})
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component library)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component cli)
foreach(f bin/smlm include/smlm/smlm.h include/smlm/version.h include/smlm/io/tiff_movie.h
          lib/libsmlm.so lib/cmake/smlm/smlmConfig.cmake lib/pkgconfig/smlm.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()
# Internals stay out.
foreach(f include/smlm/core/hdf5.h include/smlm/kernels/cuda_check.h
          include/smlm/localization/detect_kernels.h include/smlm/localization/cuda)
  if(EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install holds an internal header: ${f}")
  endif()
endforeach()

# The example consumer through find_package(smlm) ...
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${WORK_DIR}/build -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
# ... and through pkg-config, as a Makefile user would.
find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
  run(${PKG_CONFIG} --cflags --libs smlm)
  string(STRIP "${run_out}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(${CXX} -O1 ${EXAMPLE_DIR}/localize_movie.cpp -o ${WORK_DIR}/localize_movie_pc ${flags})
endif()

# The same movie through the installed CLI and the two consumers: the same bytes.
set(smlm ${prefix}/bin/smlm)
set(movie ${WORK_DIR}/movie.tif)
run(${smlm} simulate -o ${movie} --truth ${WORK_DIR}/truth.csv --frames 20 --size 48
    --density 0.5 --photons 2000 --background 20 --seed 3)
run(${smlm} localize ${movie} -o ${WORK_DIR}/cli.csv --pixel-size 100 --baseline 100
    --photons-per-adu 1)
set(consumers ${WORK_DIR}/build/localize_movie)
if(PKG_CONFIG)
  list(APPEND consumers ${WORK_DIR}/localize_movie_pc)
endif()
foreach(exe ${consumers})
  run(${exe} ${movie} ${WORK_DIR}/lib.csv 100 100 1)
  message(STATUS "${exe}: ${run_out}")
  file(READ ${WORK_DIR}/cli.csv expected)
  file(READ ${WORK_DIR}/lib.csv got)
  if(NOT expected STREQUAL got)
    message(FATAL_ERROR "${exe} wrote another table than `smlm localize` for the same movie")
  endif()
  string(REGEX MATCHALL "\n" lines "${got}")
  list(LENGTH lines n)
  if(n LESS 20)
    message(FATAL_ERROR "${exe} found only ${n} rows (header included) in 20 frames")
  endif()
endforeach()
