"""juece_data: the files juece ships — procedure profiles (procedures/*.toml) and the demo catalogs
(demo/catalogs/*.csv). This folder is installed as the package ``juece_data`` (pyproject.toml
``package-dir``) and read through importlib.resources; see decisions/locations.py."""
