-- Start-up reads every club's digest time grouped by (zone, weekday, hour, minute), in this index's
-- order and from it alone; and the clubs with a week left claimed by a stopped run from a small
-- partial index, rather than looking at every club's posts.
CREATE INDEX digest_settings_by_time ON digest_settings (timezone, weekday, hour, minute, guild_id);
CREATE INDEX digest_posts_claimed ON digest_posts (guild_id) WHERE status = 'claimed';
