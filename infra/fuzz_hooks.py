"""Schemathesis hooks for `make fuzz`.

`cargo lambda watch` (the local API Gateway emulator) answers 500 by itself to a request whose
body is not valid UTF-8, before any function runs. Such bodies are kept out of the fuzz run;
the functions' own handling of arbitrary bytes (base64-encoded by API Gateway) is covered by
shared/tests/parsing_never_panics.rs and the handler tests.
"""

import schemathesis


@schemathesis.hook
def filter_body(ctx, body):
    if isinstance(body, (bytes, bytearray)):
        try:
            bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True
