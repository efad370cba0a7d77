# lit configuration of the kokkos dialect tests.
import os
import lit.formats

config.name = "kokkos"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(os.path.dirname(config.situ_tools_dir), "tests", "dialect")
config.environment["PATH"] = os.pathsep.join(
    [config.situ_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%situ_src", config.situ_source_dir))
# MLIR's runner support libraries (printF64 for mlir-runner tests).
config.substitutions.append(("%mlir_lib", os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")))

# nvcc (CUDA toolkit) compiles the emitted CUDA where it is installed.
import shutil
nvcc = shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None)
if nvcc:
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", nvcc))
