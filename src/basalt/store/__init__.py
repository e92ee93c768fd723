"""The metadata store: the only package that imports SQLAlchemy."""
