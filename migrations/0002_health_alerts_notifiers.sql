CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`device_id` text NOT NULL,
	`network` text,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`folded` text DEFAULT '[]' NOT NULL,
	`raised_at` text NOT NULL,
	`resolved_at` text,
	`acknowledged_at` text,
	`acknowledged_by` text
);
--> statement-breakpoint
CREATE INDEX `alerts_open` ON `alerts` (`resolved_at`,`device_id`);--> statement-breakpoint
CREATE INDEX `alerts_raised` ON `alerts` (`raised_at`);--> statement-breakpoint
CREATE TABLE `health_rollups` (
	`device_id` text NOT NULL,
	`path_key` text NOT NULL,
	`network` text NOT NULL,
	`minute` integer NOT NULL,
	`ok_count` integer DEFAULT 0 NOT NULL,
	`fail_count` integer DEFAULT 0 NOT NULL,
	`latency_count` integer DEFAULT 0 NOT NULL,
	`latency_sum_ms` real DEFAULT 0 NOT NULL,
	`latency_max_ms` real DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `health_rollups_path_minute` ON `health_rollups` (`path_key`,`minute`);--> statement-breakpoint
CREATE INDEX `health_rollups_device_minute` ON `health_rollups` (`device_id`,`minute`);--> statement-breakpoint
CREATE INDEX `health_rollups_minute` ON `health_rollups` (`minute`);--> statement-breakpoint
CREATE TABLE `health_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`device_id` text NOT NULL,
	`service` text NOT NULL,
	`network` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`from_state` text NOT NULL,
	`to_state` text NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `health_transitions_device_at` ON `health_transitions` (`device_id`,`at`);--> statement-breakpoint
CREATE INDEX `health_transitions_at` ON `health_transitions` (`at`);--> statement-breakpoint
CREATE TABLE `notifiers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`url` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`min_severity` text DEFAULT 'info' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notifiers_name` ON `notifiers` (`name`);