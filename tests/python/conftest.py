import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(scope="module")
def served():
    """An embedded LocalCluster with situ's plugins and a connection file."""
    import situ
    srv = situ.serve(n_workers=2, threads_per_worker=1)
    yield srv
    srv.close()
