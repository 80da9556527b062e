"""Compute vNext (seed 001): project-owned servers, every action a task, server types with
shares and tags, hierarchical placements; HAL ``_links`` paging."""
