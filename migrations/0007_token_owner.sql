ALTER TABLE `api_tokens` ADD `owner` text;--> statement-breakpoint
CREATE INDEX `api_tokens_owner` ON `api_tokens` (`owner`);