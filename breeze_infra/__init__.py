"""breeze-infra: scoped, rotating Cloudflare Workers AI tokens and GPT Breeze manifests.

The package is laid out by job: ``config`` (what a stack asks for), ``consumers`` (who gets a
token), ``rotation`` (which token each slot holds, and until when), ``policy`` (what a token may
do), ``manifest`` (what GPT Breeze reads), ``backends`` (where the key is written), ``token`` and
``program`` (the Pulumi resources), ``simulate`` (a fake Cloudflare for offline runs), ``client``,
``catalog``, ``online`` and ``doctor`` (talking to Cloudflare) and ``cli``. Provider SDKs are
imported only by ``token``, ``program``, ``simulate`` and each backend's ``write``: they are slow
to load, and the offline commands never need them. The guard-rails are not here: the policy pack
in ``policy/`` owns its rules and is installed on its own.
"""

__version__ = "0.2.0"
