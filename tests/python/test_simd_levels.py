"""Every SIMD level gives the answers the contract promises: sums and integer
results bit-identical across levels, floats equal to rounding, and float
results bit-identical between the two fused-multiply-add levels (avx2 and
avx512 apply the same operations to each element).  The level is chosen once
per process (NDKERN_SIMD), so each runs in a subprocess."""

import os
import subprocess
import sys

import numpy as np
import pytest

import ndkern
from ndkern_testing import assert_matches

LEVELS = ("baseline", "avx2", "avx512")
FUSED_LEVELS = ("avx2", "avx512")

# Saves exact_* (bit-identical at every level), conv_* with their inputs
# in1_* and in2_* (float convolutions), and fma_* (other results that use
# fused multiply-adds at the avx2 and avx512 levels).
SCRIPT = r"""
import sys
import numpy as np
import ndkern
rng = np.random.default_rng(2024)
x = rng.standard_normal((333, 517))
c = (rng.standard_normal(4099) + 1j * rng.standard_normal(4099)).astype(np.complex64)
i = rng.integers(-2**31, 2**31, (97, 131)).astype(np.int32)
k = rng.integers(-50, 50, (7, 6)).astype(np.int32)
out = {"exact_sum": ndkern.sum_array(x), "exact_sum0": ndkern.sum_array(x, axis=0),
       "exact_sum_t": ndkern.sum_array(x[::-1].T, axis=1),
       "exact_sum_f32": ndkern.sum_array(x.astype(np.float32), axis=1),
       "exact_sum_c64": ndkern.sum_array(c),
       "exact_conv_int": ndkern.convolve2d(i, k, "same", "wrap"),
       "exact_corr_int": ndkern.correlate2d(i, k, "full", "symm"),
       "exact_square_int": ndkern.square_array(i), "exact_square": ndkern.square_array(x),
       "fma_square_c64": ndkern.square_array(c)}

def conv(name, dtype, shape1, shape2, *args, fn=ndkern.convolve2d):
    in1 = rng.standard_normal(shape1).astype(dtype)
    in2 = rng.standard_normal(shape2).astype(dtype)
    if np.dtype(dtype).kind == "c":
        in1 += 1j * rng.standard_normal(shape1).astype(dtype)
    out["conv_" + name], out["in1_" + name], out["in2_" + name] = fn(in1, in2, *args), in1, in2

out["conv_f64"], out["in1_f64"], out["in2_f64"] = (ndkern.convolve2d(x[:50, :60], x[:5, :4]),
                                                   x[:50, :60], x[:5, :4])
conv("f32_full", np.float32, (120, 250), (9, 9))
conv("f32_same_short", np.float32, (37, 203), (3, 5), "same", "symm")
conv("f64_valid_tall", np.float64, (61, 95), (31, 2), "valid")
conv("f32_few_rows", np.float32, (3, 70), (2, 7))
conv("f32_corr_wrap", np.float32, (45, 131), (6, 11), "same", "wrap", fn=ndkern.correlate2d)
conv("c64_full", np.complex64, (40, 77), (4, 3))
np.savez(sys.argv[1], level=ndkern.simd_level(), **out)
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Level name -> the script's results, for the levels this machine runs."""
    tmp_path = tmp_path_factory.mktemp("simd")
    found = {}
    for level in LEVELS:
        path = tmp_path / f"{level}.npz"
        env = dict(os.environ, NDKERN_SIMD=level,
                   PYTHONPATH=os.path.dirname(os.path.dirname(ndkern.__file__)))
        subprocess.run([sys.executable, "-c", SCRIPT, str(path)], env=env, check=True,
                       timeout=120)
        data = np.load(path)
        ran = str(data["level"])
        if level == "baseline":
            assert ran == "baseline"
        if ran == level:  # else the machine cannot run it (a lower level ran)
            found[level] = {name: data[name] for name in data.files if name != "level"}
    return found


def at(results, level):
    if level not in results:
        pytest.skip(f"this machine cannot run the {level} kernels")
    return results[level]


@pytest.mark.parametrize("level", LEVELS[1:])
def test_level_agrees_with_baseline(results, level):
    baseline, other = results["baseline"], at(results, level)
    assert other.keys() == baseline.keys()
    for name in baseline:
        if name.startswith("exact_"):  # sums (documented bit-identical), integers
            np.testing.assert_array_equal(other[name], baseline[name], err_msg=name)
        elif name.startswith("conv_"):
            case = name[len("conv_"):]
            assert_matches(other[name], baseline[name], baseline["in1_" + case],
                           baseline["in2_" + case])
        elif name.startswith("fma_"):
            np.testing.assert_allclose(other[name], baseline[name], rtol=1e-6, err_msg=name)


def test_fused_levels_bit_identical(results):
    avx2, avx512 = (at(results, level) for level in FUSED_LEVELS)
    for name in avx2:
        assert avx512[name].dtype == avx2[name].dtype
        np.testing.assert_array_equal(avx512[name], avx2[name], err_msg=name)


@pytest.mark.parametrize("value", ["avx-2", "AVX2", "sse4"])
def test_unknown_simd_value_warns_naming_it_and_the_level_used(value):
    env = dict(os.environ, NDKERN_SIMD=value,
               PYTHONPATH=os.path.dirname(os.path.dirname(ndkern.__file__)))
    result = subprocess.run([sys.executable, "-c", "import ndkern; print(ndkern.simd_level())"],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    used = result.stdout.strip()
    assert "RuntimeWarning" in result.stderr
    assert repr(value) in result.stderr and repr(used) in result.stderr


@pytest.mark.parametrize("value", LEVELS + ("",))
def test_known_simd_values_do_not_warn(value):
    env = dict(os.environ, NDKERN_SIMD=value,
               PYTHONPATH=os.path.dirname(os.path.dirname(ndkern.__file__)))
    result = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c",
                             "import ndkern"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
