# Which GPU architectures the CUDA kernels are compiled for, when the caller did not set
# CMAKE_CUDA_ARCHITECTURES: those among 75, 80, 86, 89 and 90 that the installed nvcc supports (newer
# toolkits drop old ones), as machine code. A prebuilt binary (LPC_PREBUILD) also carries PTX for the
# newest of them, which the driver compiles for GPUs newer than any listed. A build from a clone on a
# machine with a GPU compiles for that GPU only (faster to build; nothing else will load the binary).

function(lpc_cuda_architectures out)
  set(wanted 75 80 86 89 90)
  execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --list-gpu-arch OUTPUT_VARIABLE listed ERROR_QUIET
                  RESULT_VARIABLE listed_rc)
  set(supported "")
  foreach(arch IN LISTS wanted)
    # An nvcc without --list-gpu-arch (older than CUDA 11.1) is assumed to know 75 only.
    if(listed_rc EQUAL 0 AND listed MATCHES "compute_${arch}")
      list(APPEND supported ${arch})
    elseif(NOT listed_rc EQUAL 0 AND arch EQUAL 75)
      list(APPEND supported ${arch})
    endif()
  endforeach()
  if(NOT supported)
    message(FATAL_ERROR "langevin-pc: ${CMAKE_CUDA_COMPILER} supports none of the architectures ${wanted}; "
                        "configure with -DLPC_CUDA=OFF or set CMAKE_CUDA_ARCHITECTURES")
  endif()

  if(NOT LPC_PREBUILD)
    find_program(LPC_NVIDIA_SMI nvidia-smi)
    if(LPC_NVIDIA_SMI)
      execute_process(COMMAND ${LPC_NVIDIA_SMI} --query-gpu=compute_cap --format=csv,noheader
                      OUTPUT_VARIABLE caps ERROR_QUIET RESULT_VARIABLE caps_rc)
      if(caps_rc EQUAL 0 AND caps MATCHES "^([0-9]+)\\.([0-9]+)")
        set(local "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
        if(local IN_LIST supported)
          set(${out} "${local}-real" PARENT_SCOPE)
          return()
        endif()
      endif()
    endif()
  endif()

  list(GET supported -1 newest)
  set(result "")
  foreach(arch IN LISTS supported)
    list(APPEND result "${arch}-real")
  endforeach()
  list(APPEND result "${newest}-virtual")
  set(${out} "${result}" PARENT_SCOPE)
endfunction()
