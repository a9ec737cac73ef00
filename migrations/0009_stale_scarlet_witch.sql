CREATE TABLE `cert_pins` (
	`device_id` text NOT NULL,
	`service` text NOT NULL,
	`fingerprint` text NOT NULL,
	`pinned_at` text NOT NULL,
	`seen_fingerprint` text,
	`seen_at` text,
	PRIMARY KEY(`device_id`, `service`),
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE cascade ON DELETE cascade
);
