"""demandcast: demand forecasting for municipal contact channels."""
__version__ = "0.1.0.dev0"
