"""A local stand-in for Cloudflare and the provider plugins, so the real Pulumi engine can run the
program offline: the emulator (an HTTP server speaking Cloudflare's v4 API), the fake provider
plugins the engine launches, and their installation into a private PULUMI_HOME."""
