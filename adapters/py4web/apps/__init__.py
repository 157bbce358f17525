# py4web's apps folder is a Python package; each app is a subpackage.
