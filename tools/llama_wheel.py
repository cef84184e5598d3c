#!/usr/bin/env python3
"""Build (once) and install llama-cpp-python for the CPU this machine really has.

Why: a native ggml build turns on whatever the compiler sees (AMX on some Intel
hosts) and then dies with SIGILL on Q4_K_M models; a build with AVX-512 dies the
same way on AVX2-only AMD hosts. So we build with GGML_NATIVE=OFF and switch on
only the instruction sets /proc/cpuinfo reports, never AMX, and cache the wheel
under a key made of those flags so later installs take seconds.

Standard library only: this runs before the project is installed.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
from pathlib import Path

VERSION = "0.3.16"

# cpuinfo flag(s) -> ggml CMake option. Order matters only for readability.
_OPTIONAL = [
    (("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"), "GGML_AVX512"),
    (("avx512_vnni",), "GGML_AVX512_VNNI"),
    (("avx512_vbmi",), "GGML_AVX512_VBMI"),
    (("avx512_bf16",), "GGML_AVX512_BF16"),
    (("avx_vnni",), "GGML_AVX_VNNI"),
]
_BASELINE = [("avx", "GGML_AVX"), ("avx2", "GGML_AVX2"), ("fma", "GGML_FMA"), ("f16c", "GGML_F16C")]


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cmake_options(flags: set[str]) -> list[str]:
    opts = ["-DGGML_NATIVE=OFF", "-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF",
            "-DLLAMA_CURL=OFF", "-DGGML_OPENMP=ON"]
    if os.environ.get("DCODE_LLAMA_BASELINE"):
        flags = {f for f in flags if not f.startswith("avx512") and f != "avx_vnni"}
    for flag, option in _BASELINE:
        opts.append(f"-D{option}={'ON' if flag in flags else 'OFF'}")
    for needed, option in _OPTIONAL:
        opts.append(f"-D{option}={'ON' if all(f in flags for f in needed) else 'OFF'}")
    return opts


def cache_dir(opts: list[str]) -> Path:
    key = hashlib.sha256(
        " ".join([VERSION, platform.machine(), sys.implementation.cache_tag, *opts]).encode()
    ).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "dcode" / "wheels" / f"llama-cpp-python-{VERSION}-{key}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter to install into")
    parser.add_argument("--print-options", action="store_true")
    args = parser.parse_args()

    opts = cmake_options(cpu_flags())
    if args.print_options:
        print(" ".join(opts))
        return 0
    wheels = cache_dir(opts)
    found = sorted(wheels.glob("llama_cpp_python-*.whl"))
    if not found:
        print(f"llama-cpp-python: building {VERSION} for this CPU (several minutes, once): {' '.join(opts)}",
              flush=True)
        tmp = wheels.with_name(wheels.name + ".partial")
        tmp.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, CMAKE_ARGS=" ".join(opts), FORCE_CMAKE="1",
                   CMAKE_BUILD_PARALLEL_LEVEL=str(os.cpu_count() or 2))
        subprocess.run([args.python, "-m", "pip", "wheel", "--no-deps", "--no-binary", "llama-cpp-python",
                        "-w", str(tmp), f"llama-cpp-python=={VERSION}"], env=env, check=True)
        if not wheels.exists():
            tmp.rename(wheels)
        found = sorted(wheels.glob("llama_cpp_python-*.whl"))
    else:
        print(f"llama-cpp-python: using cached wheel {found[-1]}", flush=True)
    # Replace whatever llama-cpp-python is there (a native build would SIGILL), then fill in its deps.
    pip = [args.python, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(found[-1])], check=True)
    subprocess.run([*pip, str(found[-1])], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
