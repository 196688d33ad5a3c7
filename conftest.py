"""Collection rules for the whole repository (pytest also reads the doctests under src/)."""

import importlib.util

# the fused kernel's compiled loops are numba code: without numba (the optional extra
# selfattention[fast]) that module cannot be imported, so its doctests are not collected
collect_ignore = [] if importlib.util.find_spec("numba") else ["src/selfattention/core/kernels/compiled.py"]
