"""The reward server (``rewardkit serve``): OpenRLHF's remote reward protocol, a native batch
endpoint and a health check, on FastAPI + uvicorn (``pip install 'rewardkit[serve]'``).

Importing this package does not import FastAPI; :func:`create_app` does.
"""
from rewardkit.serve.app import create_app, run_server
from rewardkit.serve.config import ServeConfig

__all__ = ["ServeConfig", "create_app", "run_server"]
