"""Operation handlers: thin translations from GameLift API calls to domain calls.

Each module registers its operations with ``@operation("Name")``. A handler
takes the emulator, the request context and the validated input dict, and
returns a dict shaped like the model's output; it never sees JSON, CBOR or HTTP.
"""
