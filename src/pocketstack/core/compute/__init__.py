"""The compute core: servers, server types, keypairs, server groups, quotas."""
