"""breeze-infra: scoped, rotating Cloudflare Workers AI tokens and GPT Breeze manifests.

The package is laid out by job: ``config`` (what a stack asks for), ``rotation`` (which token each
slot holds, and until when), ``policy`` (what a token may do), ``manifest`` (what GPT Breeze reads),
``backends`` (where the key is written), ``token`` and ``program`` (the Pulumi resources),
``simulate`` (a fake Cloudflare for offline runs) and ``cli``. Only ``token``, ``program`` and
``simulate`` import the Pulumi provider SDK, which is slow to load.
"""

__version__ = "0.1.0"
