"""Our kernels inside other libraries: :mod:`selfattention.integrations.transformers`."""
