"""pocketstack.sdk: a typed OpenStack SDK, sync and async (seed 004).

It imports nothing from the pocketstack server and needs only httpx, pydantic and PyYAML::

    from pocketstack.sdk.connection import Connection

    conn = Connection(cloud="pocketstack")
    for server in conn.compute.servers():
        print(server.name, server.status)

See docs/sdk.md.
"""
