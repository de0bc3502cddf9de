"""A team's own Pulumi program: a scoped, rotating Workers AI key, delivered to Vault.

Only ``breeze_infra``'s public names are used. The token is account-owned, may run Workers AI
and nothing else on one account, only from the team's networks, and rotates every
``rotationDays`` without downtime; ``pulumi up`` must run at least once a window.
"""

import pulumi

from breeze_infra import (
    SecretsDelivery,
    SecretsDeliveryArgs,
    WorkersAiToken,
    WorkersAiTokenArgs,
    workers_ai_base_url,
)

config = pulumi.Config()
account_id = config.require("accountId")

token = WorkersAiToken(
    "team-ai",
    WorkersAiTokenArgs(
        account_id=account_id,
        rotation_days=config.get_int("rotationDays") or 30,
        allowed_cidrs=config.get_object("allowedCidrs") or [],
    ),
)
delivery = SecretsDelivery(
    "team-ai-secrets",
    SecretsDeliveryArgs(
        api_key=token.value,
        base_url=workers_ai_base_url(account_id),
        secrets=[
            {
                "backend": "vault",
                "mount": config.require("vaultMount"),
                "path": config.require("vaultPath"),
            }
        ],
    ),
)

pulumi.export("baseUrl", token.base_url)
pulumi.export("apiKeyRef", delivery.api_key_refs[0])
pulumi.export("tokenId", token.token_id)
pulumi.export("tokenName", token.token_name)
pulumi.export("expiresOn", token.expires_on)
