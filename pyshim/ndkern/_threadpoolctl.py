"""ndkern's threads under threadpoolctl (optional).

threadpoolctl finds native thread pools among the loaded shared libraries by
file name and drives each through a controller class.  When threadpoolctl is
installed, importing ndkern registers NdkernController, so ndkern appears in
``threadpoolctl.threadpool_info()`` and obeys ``threadpool_limits(n)``.
"""

import ctypes
import os

__all__ = ["registered"]

try:
    import threadpoolctl
except ImportError:  # threadpoolctl stays optional
    threadpoolctl = None


def _make_controller():
    from . import _library, _threads

    ours = os.path.realpath(_library.library_path)

    class NdkernController(threadpoolctl.LibController):
        """libndkern's process-wide thread count (ndkern_set_num_threads)."""

        user_api = "ndkern"
        internal_api = "ndkern"
        filename_prefixes = ("libndkern",)
        check_symbols = ("ndkern_get_num_threads", "ndkern_set_num_threads")

        def get_num_threads(self):
            return self.dynlib.ndkern_get_num_threads()

        def set_num_threads(self, num_threads):
            if os.path.realpath(self.filepath) == ours:  # ndkern.thread_source() sees it
                return _threads.set_num_threads(num_threads)
            return self.dynlib.ndkern_set_num_threads(num_threads)

        def get_version(self):
            version = self.dynlib.ndkern_version
            version.restype = ctypes.c_char_p
            return version().decode("ascii")

    return NdkernController


def _register():
    register = getattr(threadpoolctl, "register", None)  # older versions lack it
    if register is None:
        return False
    register(_make_controller())
    return True


registered = threadpoolctl is not None and _register()
