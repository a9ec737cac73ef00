CREATE TABLE `take_cameras` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`take_id` integer NOT NULL,
	`device_id` text NOT NULL,
	`clip` text,
	`started_at` text,
	`stopped_at` text,
	`offset_ms` real,
	`stop_reason` text,
	`problems` text DEFAULT '[]' NOT NULL,
	`markers` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`take_id`) REFERENCES `takes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `take_cameras_take_device` ON `take_cameras` (`take_id`,`device_id`);--> statement-breakpoint
CREATE TABLE `takes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_by` text NOT NULL,
	`target_at` text,
	`started_at` text NOT NULL,
	`stopped_at` text
);
--> statement-breakpoint
CREATE INDEX `takes_open` ON `takes` (`stopped_at`);--> statement-breakpoint
CREATE INDEX `takes_started` ON `takes` (`started_at`);