"""The device gateway: tracker protocol codecs and the asyncio servers (issue 7).

Codecs in this package import nothing from Django; the server hands decoded messages to a sink.
"""
