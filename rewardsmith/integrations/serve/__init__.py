"""The reward server (``rewardsmith serve``): OpenRLHF's remote reward protocol, a native batch
endpoint and a health check, on FastAPI + uvicorn (``pip install 'rewardsmith[serve]'``).

Importing this package does not import FastAPI; :func:`create_app` does.
"""
from rewardsmith.integrations.serve.app import create_app, run_server
from rewardsmith.integrations.serve.config import ServeConfig

__all__ = ["ServeConfig", "create_app", "run_server"]
