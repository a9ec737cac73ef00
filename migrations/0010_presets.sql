CREATE TABLE `preset_applications` (
	`device_id` text PRIMARY KEY NOT NULL,
	`preset_name` text NOT NULL,
	`applied_at` text NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade,
	FOREIGN KEY (`preset_name`) REFERENCES `presets`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `presets` (
	`name` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`from_device` text,
	`saved_at` text NOT NULL
);
