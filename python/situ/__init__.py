"""situ: in situ analytics for MPI simulations on Dask distributed.

>>> import situ
>>> with situ.Session() as s:                 # doctest: +SKIP
...     @s.on_step("T", every=10)
...     def stats(step, T):
...         print(step, float(T.mean().compute()))
...     s.run()
"""
from .analysis import Analysis
from .cluster import Served, serve
from .contract import array_contract
from .session import Session, SituError, assemble

__all__ = ["Analysis", "Session", "SituError", "serve", "Served", "array_contract", "assemble"]
__version__ = "0.1.0"
