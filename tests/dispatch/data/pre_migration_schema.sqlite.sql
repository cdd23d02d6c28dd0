CREATE TABLE city (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	source TEXT NOT NULL, 
	west FLOAT NOT NULL, 
	south FLOAT NOT NULL, 
	east FLOAT NOT NULL, 
	north FLOAT NOT NULL, 
	built_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE hotspot (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	category VARCHAR(40) NOT NULL, 
	risk INTEGER NOT NULL, 
	service_min INTEGER NOT NULL, 
	checks_per_night INTEGER NOT NULL, 
	geometry TEXT NOT NULL, 
	access_lon FLOAT NOT NULL, 
	access_lat FLOAT NOT NULL, 
	osm_ref VARCHAR(40), 
	active BOOLEAN NOT NULL, 
	sweep_m FLOAT NOT NULL, 
	window_start TIME, 
	window_end TIME, 
	skill VARCHAR(40), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_hotspot_category ON hotspot (category);

CREATE TABLE "plan" (
	id INTEGER NOT NULL, 
	night DATE NOT NULL, 
	created_at DATETIME NOT NULL, 
	document JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_plan_night ON "plan" (night);

CREATE TABLE shelter (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	geometry TEXT NOT NULL, 
	beds INTEGER, 
	osm_ref VARCHAR(40), 
	PRIMARY KEY (id)
);

CREATE TABLE team_base (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	lon FLOAT NOT NULL, 
	lat FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
