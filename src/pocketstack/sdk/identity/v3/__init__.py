"""Identity v3 (Keystone): projects, users, domains, roles and their assignments, groups, the
catalog (regions, services, endpoints), application credentials and credentials."""
