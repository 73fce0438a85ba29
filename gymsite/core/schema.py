"""OpenAPI post-processing: every operation documents the shared error body."""

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code"],
}

ERROR_STATUSES = {
    "400": "Invalid input",
    "401": "No or bad credentials",
    "403": "Not allowed",
    "404": "Not found, or in another gym",
    "409": "Conflict with the current state",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "429": "Throttled (see Retry-After)",
    "503": "Briefly unavailable: the database, or for a login the cache that counts attempts (see Retry-After)",
}


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                # An error a view documents by its description only still answers the
                # shared body.
                if code.startswith(("4", "5")) and "content" not in response:
                    response["content"] = {"application/json": {"schema": ref}}
            for code, description in ERROR_STATUSES.items():
                if code in responses:
                    continue
                # A GET has no body: it can be a 400 (bad query) but not 409/413/415.
                if method == "get" and code in {"409", "413", "415"}:
                    continue
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }
    return result


def paths_without_trailing_slash(result, generator, request, public):
    """Routes answer with and without the trailing slash (`/members/1` and `/members/1/`);
    the schema spells each path the way clients call it, without."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result
