CREATE TABLE `addresses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`device_id` text NOT NULL,
	`network` text NOT NULL,
	`ip` text,
	`hostname` text,
	`source` text DEFAULT 'manual' NOT NULL,
	`last_seen` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `addresses_device` ON `addresses` (`device_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `addresses_device_network_ip_host` ON `addresses` (`device_id`,`network`,`ip`,`hostname`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`model` text,
	`notes` text DEFAULT '' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`expected` integer DEFAULT true NOT NULL,
	`tailscale_node_id` text,
	`probe_interval_ms` integer,
	`pos_x` real,
	`pos_y` real,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_tailscale_node_id` ON `devices` (`tailscale_node_id`);--> statement-breakpoint
CREATE TABLE `links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_id` text NOT NULL,
	`to_id` text NOT NULL,
	`kind` text NOT NULL,
	FOREIGN KEY (`from_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade,
	FOREIGN KEY (`to_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `links_from_to_kind` ON `links` (`from_id`,`to_id`,`kind`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `services` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`device_id` text NOT NULL,
	`name` text NOT NULL,
	`protocol` text NOT NULL,
	`port` integer NOT NULL,
	`path` text,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `services_device` ON `services` (`device_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `services_device_name` ON `services` (`device_id`,`name`);