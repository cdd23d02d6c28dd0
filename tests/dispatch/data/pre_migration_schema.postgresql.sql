CREATE TABLE city (
	id SERIAL NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	timezone VARCHAR(64) NOT NULL, 
	source TEXT NOT NULL, 
	west FLOAT NOT NULL, 
	south FLOAT NOT NULL, 
	east FLOAT NOT NULL, 
	north FLOAT NOT NULL, 
	built_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE hotspot (
	id SERIAL NOT NULL, 
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
	window_start TIME WITHOUT TIME ZONE, 
	window_end TIME WITHOUT TIME ZONE, 
	skill VARCHAR(40), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_hotspot_category ON hotspot (category);

CREATE TABLE plan (
	id SERIAL NOT NULL, 
	night DATE NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	document JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_plan_night ON plan (night);

CREATE TABLE shelter (
	id SERIAL NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	kind VARCHAR(40) NOT NULL, 
	geometry TEXT NOT NULL, 
	beds INTEGER, 
	osm_ref VARCHAR(40), 
	PRIMARY KEY (id)
);

CREATE TABLE team_base (
	id SERIAL NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	lon FLOAT NOT NULL, 
	lat FLOAT NOT NULL, 
	PRIMARY KEY (id)
);
