"""When CI runs the suite with the network disabled, prove it really was disabled."""

import os
import socket

import pytest


@pytest.mark.skipif(
    os.environ.get("LRLAB_EXPECT_OFFLINE") != "1",
    reason="not running offline (.ci/run sets LRLAB_EXPECT_OFFLINE=1 under unshare -n)",
)
def test_the_network_is_really_off():
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443), timeout=3)
    with socket.socket() as s:  # loopback still works, for Jupyter kernels and the browser test
        s.bind(("127.0.0.1", 0))
