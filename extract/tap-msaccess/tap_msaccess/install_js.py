"""``python -m tap_msaccess.install_js``: same as ``tap-msaccess-install-js`` (npm ci of js/)."""

from tap_msaccess.runtime import install_js_main

install_js_main()
