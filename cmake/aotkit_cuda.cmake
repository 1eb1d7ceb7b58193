# cmake/aotkit_cuda.cmake — optional CUDA detection: sets AOTKIT_HAVE_CUDA.
# nvcc is looked for at /usr/local/cuda/bin/nvcc too, because CI's PATH does not include it.
include_guard(GLOBAL)

set(AOTKIT_HAVE_CUDA OFF)
if(AOTKIT_ENABLE_CUDA)
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(ENV{CUDACXX} /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)   # H100 / H200
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(AOTKIT_HAVE_CUDA ON)
  endif()
endif()
message(STATUS "aotkit: CUDA backend = ${AOTKIT_HAVE_CUDA}")
