"""The Fortran binding end to end: a Fortran simulation's T(nx, ny), split over ranks,
arrives as the Dask array T with dimensions in C order, value for value."""
import numpy as np
import pytest

from e2e import SessionThread, mpirun


@pytest.mark.parametrize("nranks", [1, 3])
def test_fortran_array_arrives_transposed_and_exact(served, nranks):
    got = {}

    def setup(s):
        @s.on_step("T")
        def grab(step, T):
            got[step] = T.compute()

    st = SessionThread(served, setup)
    r = mpirun(nranks, "fortran_sim", [], served.connection)
    assert r.returncode == 0, r.stderr
    st.join()
    assert "unknown array -> -4 expose: no array named 'nope' was defined" in r.stderr
    assert "steering not set, as expected" in r.stderr
    nx, ny = 5, 12
    i = np.arange(1, nx + 1)[None, :]
    j = np.arange(1, ny + 1)[:, None]
    for step in range(3):
        assert got[step].shape == (ny, nx)          # Fortran (nx, ny) seen in C order
        np.testing.assert_array_equal(got[step], 1000.0 * step + 10.0 * i + j)
