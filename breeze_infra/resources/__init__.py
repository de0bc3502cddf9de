"""The Pulumi components: ``token`` (WorkersAiToken), ``delivery`` (SecretsDelivery) and ``gateway``
(WorkersAiGateway). The only modules that import Pulumi and the cloudflare SDK at the top, so
nothing here is imported by the offline commands; import each module, not this package."""
