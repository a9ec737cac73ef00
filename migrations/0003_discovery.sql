CREATE TABLE `discovered` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`source` text NOT NULL,
	`node_id` text,
	`name` text,
	`ip` text,
	`hostname` text,
	`port` integer NOT NULL,
	`api_path` text DEFAULT '/api/v1' NOT NULL,
	`info` text,
	`status` text DEFAULT 'new' NOT NULL,
	`matched_device_id` text,
	`matched_by` text,
	`first_seen` text NOT NULL,
	`last_seen` text NOT NULL,
	`gone_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `discovered_key` ON `discovered` (`key`);--> statement-breakpoint
CREATE INDEX `discovered_status` ON `discovered` (`status`);