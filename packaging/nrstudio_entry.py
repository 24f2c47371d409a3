"""The frozen app's entry point: the same `nrstudio` command as the pip install."""

import multiprocessing
import sys
import warnings

# The frozen app keeps byte code, not source, for torch (packaging/nrstudio.spec); torch then
# warns once per overloaded TorchScript function at import. The app never scripts.
warnings.filterwarnings("ignore", message="Unable to retrieve source for @torch.jit._overload")

from nrstudio.cli import main  # noqa: E402

if __name__ == "__main__":
    # scikit-learn's worker processes start this executable again; let them run their task.
    multiprocessing.freeze_support()
    sys.exit(main())
