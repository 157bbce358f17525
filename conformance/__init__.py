"""webconformance: behavioural checks for Python web frameworks, over real sockets.

This module stays cheap to import: pytest loads the plugin entry point
(``conformance.plugin``) in every session of every repository where the
package is installed, so nothing here starts servers or imports checks.
"""

__version__ = "0.1.0"
SUITE_NAME = "webconformance"
