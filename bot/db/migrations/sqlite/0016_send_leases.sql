-- A scheduled message's exclusive send lease. Before its POST a process writes who it is (its shard
-- set, e.g. 'shards 0,1 of 4') and when; another process finding the lease held by someone else and
-- younger than 30 s leaves the message alone, so two processes misconfigured with overlapping shards
-- never post it twice. The same process (a restart after a crash) takes its own lease over at once.
ALTER TABLE club_sends ADD COLUMN lease_holder TEXT;
ALTER TABLE club_sends ADD COLUMN lease_at TEXT;
ALTER TABLE digest_messages ADD COLUMN lease_holder TEXT;
ALTER TABLE digest_messages ADD COLUMN lease_at TEXT;
