CREATE TABLE `health_paths` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`device_id` text NOT NULL,
	`network` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `health_paths_key` ON `health_paths` (`key`);--> statement-breakpoint
CREATE INDEX `health_paths_device` ON `health_paths` (`device_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_health_rollups` (
	`path_id` integer NOT NULL,
	`minute` integer NOT NULL,
	`ok_count` integer DEFAULT 0 NOT NULL,
	`fail_count` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` real DEFAULT 0 NOT NULL,
	`latency_max_ms` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`path_id`, `minute`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Hand-written (keep when regenerating): number the paths the old rows name, then convert every row.
INSERT INTO `health_paths`("key", "device_id", "network") SELECT "path_key", min("device_id"), min("network") FROM `health_rollups` GROUP BY "path_key" ORDER BY "path_key";--> statement-breakpoint
INSERT INTO `__new_health_rollups`("path_id", "minute", "ok_count", "fail_count", "latency_count", "latency_sum_ms", "latency_max_ms") SELECT p."id", r."minute", r."ok_count", r."fail_count", r."latency_count", round(r."latency_sum_ms"), round(r."latency_max_ms") FROM `health_rollups` r JOIN `health_paths` p ON p."key" = r."path_key";--> statement-breakpoint
DROP TABLE `health_rollups`;--> statement-breakpoint
ALTER TABLE `__new_health_rollups` RENAME TO `health_rollups`;--> statement-breakpoint
PRAGMA foreign_keys=ON;